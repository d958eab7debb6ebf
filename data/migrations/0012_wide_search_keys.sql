-- Search keys number a day's articles in 32 bits now (data/index.go); an
-- index built before numbers them in 16 and so takes at most 65,536
-- articles a day until it is rebuilt. Such an index is one that holds keys
-- or segments and whose meta row search_key_bits is absent or 16 (the same
-- test keyWidth makes): ask Open to rebuild it once, wide. An empty index,
-- or one already 32 bits wide, needs nothing; a rebuild already asked for
-- (0005) is kept and widens it too.
INSERT INTO meta (key, value)
    SELECT 'search_rebuild', '0012'
    WHERE COALESCE((SELECT value FROM meta WHERE key = 'search_key_bits'), '16') = '16'
      AND (EXISTS (SELECT 1 FROM search_keys) OR EXISTS (SELECT 1 FROM search_segments))
    ON CONFLICT (key) DO NOTHING;
