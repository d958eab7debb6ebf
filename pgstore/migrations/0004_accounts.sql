-- Several bot accounts on one store. A ledger part is claimed before it is
-- sent (claimed_by until claim_until), so of two accounts in one group
-- exactly one sends it; account records who sent it. account_groups lists
-- the groups each running personal account has bound, alive while its
-- process renews them.
ALTER TABLE deliveries ADD COLUMN account TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN claim_until timestamptz; -- NULL: never claimed
CREATE TABLE account_groups (
    account     TEXT NOT NULL CHECK (account <> ''),
    group_name  TEXT NOT NULL CHECK (group_name <> ''),
    alive_until timestamptz NOT NULL,
    PRIMARY KEY (account, group_name)
);
CREATE INDEX account_groups_by_group ON account_groups (group_name, alive_until);
