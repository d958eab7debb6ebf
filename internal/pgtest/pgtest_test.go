package pgtest

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// childEnv marks the copy of this binary that TestWithoutMain runs: it runs
// its tests without Main, as a package without TestMain would.
const childEnv = "PGTEST_WITHOUT_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(m.Run())
	}
	os.Exit(Main(m))
}

func connect(t *testing.T, u string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect %s: %v", u, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryInt(t *testing.T, conn *pgx.Conn, sql string, args ...any) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var n int
	if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func execSQL(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// userRelations counts the tables, views, sequences… outside the system schemas.
const userRelations = `SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`

func dbName(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(p.Path, "/")
}

// adminOf is the admin connection URL for a database URL returns.
func adminOf(t *testing.T, dbURL string) string {
	t.Helper()
	if env := os.Getenv(EnvServer); env != "" {
		return env
	}
	p, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	p.Path = "/postgres"
	return p.String()
}

func databaseExists(t *testing.T, adminURL, name string) bool {
	t.Helper()
	return queryInt(t, connect(t, adminURL), "SELECT count(*)::int FROM pg_database WHERE datname = $1", name) > 0
}

func TestTwoCallsGiveTwoEmptyDatabases(t *testing.T) {
	t.Parallel()
	u1, u2 := URL(t), URL(t)
	if u1 == u2 || dbName(t, u1) == dbName(t, u2) {
		t.Fatalf("the same database twice: %s, %s", u1, u2)
	}
	if os.Getenv(EnvServer) == "" {
		for _, u := range []string{u1, u2} {
			p, err := url.Parse(u)
			if err != nil {
				t.Fatal(err)
			}
			if p.Scheme != "postgres" || p.Hostname() != "127.0.0.1" || p.Port() == "" || p.Query().Get("sslmode") != "disable" {
				t.Errorf("URL %s: want postgres://…@127.0.0.1:PORT/DB?sslmode=disable", u)
			}
		}
	}
	c1, c2 := connect(t, u1), connect(t, u2)
	for i, c := range []*pgx.Conn{c1, c2} {
		if n := queryInt(t, c, userRelations); n != 0 {
			t.Errorf("database %d has %d relations, want none", i+1, n)
		}
	}
	execSQL(t, c1, "CREATE TABLE only_here (id int PRIMARY KEY, body text)")
	execSQL(t, c1, "INSERT INTO only_here VALUES (1, '今日新闻')")
	if n := queryInt(t, c1, "SELECT count(*)::int FROM only_here"); n != 1 {
		t.Errorf("only_here has %d rows, want 1", n)
	}
	if n := queryInt(t, c2, "SELECT count(*)::int FROM pg_class WHERE relname = 'only_here'"); n != 0 {
		t.Errorf("a table created in %s is in %s", dbName(t, u1), dbName(t, u2))
	}
}

func TestDatabaseDroppedAtCleanup(t *testing.T) {
	t.Parallel()
	var u string
	if !t.Run("holder", func(t *testing.T) {
		u = URL(t)
		c := connect(t, u)
		execSQL(t, c, "CREATE TABLE t (id int)")
		if !databaseExists(t, adminOf(t, u), dbName(t, u)) {
			t.Fatalf("database %s missing while its test runs", dbName(t, u))
		}
	}) {
		return
	}
	if databaseExists(t, adminOf(t, u), dbName(t, u)) {
		t.Errorf("database %s still there after its test's cleanup", dbName(t, u))
	}
}

func TestDropForcesOpenConnections(t *testing.T) {
	t.Parallel()
	var u string
	var held *pgx.Conn
	if !t.Run("holder", func(t *testing.T) {
		u = URL(t)
		// Opened after URL, so without a cleanup of its own it is still open
		// when the database is dropped.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var err error
		if held, err = pgx.Connect(ctx, u); err != nil {
			t.Fatal(err)
		}
	}) {
		return
	}
	defer held.Close(context.Background())
	if databaseExists(t, adminOf(t, u), dbName(t, u)) {
		t.Errorf("database %s with an open connection survived its test", dbName(t, u))
	}
}

// TestServerFromEnvironment points WXDIGEST_TEST_POSTGRES at this binary's
// cluster, as a role of its own, so the databases made through it are
// recognisably the variable's. It clears a variable set from outside first:
// it needs the cluster.
func TestServerFromEnvironment(t *testing.T) {
	t.Setenv(EnvServer, "")
	first := URL(t)
	admin := connect(t, adminOf(t, first))
	role := "pgtest_env_" + randomHex(4)
	execSQL(t, admin, "CREATE ROLE "+role+" LOGIN CREATEDB")
	t.Cleanup(func() { execSQL(t, admin, "DROP ROLE IF EXISTS "+role) })

	server, err := url.Parse(adminOf(t, first))
	if err != nil {
		t.Fatal(err)
	}
	server.User = url.User(role)
	t.Setenv(EnvServer, server.String())

	var u string
	if !t.Run("through the variable", func(t *testing.T) {
		u = URL(t)
		p, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		if p.Host != server.Host || p.User.Username() != role || dbName(t, u) == dbName(t, first) {
			t.Fatalf("URL %s: want a new database on %s as %s", u, server.Host, role)
		}
		c := connect(t, u)
		if n := queryInt(t, c, userRelations); n != 0 {
			t.Errorf("new database has %d relations, want none", n)
		}
		execSQL(t, c, "CREATE TABLE t (id int)")
		var owner string
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.QueryRow(ctx, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()").Scan(&owner); err != nil {
			t.Fatal(err)
		}
		if owner != role {
			t.Errorf("database owned by %s, want %s (made through %s)", owner, role, EnvServer)
		}
	}) {
		return
	}
	if databaseExists(t, server.String(), dbName(t, u)) {
		t.Errorf("database %s still there after its test's cleanup", dbName(t, u))
	}
}

// TestWithoutMain runs this binary again without Main (as a package without
// TestMain would use pgtest) and checks that the cluster is stopped and
// removed by the last test's cleanup.
func TestWithoutMain(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		t.Skip("in the child")
	}
	if testing.Short() {
		t.Skip("starts a second cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestChildWithoutMain$", "-test.v", "-test.count=1")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, EnvServer+"=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, childEnv+"=1")
	out, err := cmd.CombinedOutput()
	t.Logf("child:\n%s", out)
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: TestChildWithoutMain") {
		t.Fatal("the child did not run TestChildWithoutMain")
	}
	if strings.Contains(string(out), "pgtest:") {
		t.Error("the child reported a pgtest error")
	}
}

// TestChildWithoutMain is TestWithoutMain's child.
func TestChildWithoutMain(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("runs in TestWithoutMain's child")
	}
	var dir, port string
	if !t.Run("holder", func(t *testing.T) {
		u := URL(t)
		shared.mu.Lock()
		var startup time.Duration
		dir, startup = shared.c.dir, shared.c.startup
		shared.mu.Unlock()
		t.Logf("cluster started in %v (initdb, pg_ctl start, first ping)", startup.Round(time.Millisecond))
		p, _ := url.Parse(u)
		port = p.Port()
		execSQL(t, connect(t, u), "CREATE TABLE t (id int)")
	}) {
		return
	}
	shared.mu.Lock()
	c, users := shared.c, shared.users
	shared.mu.Unlock()
	if c != nil || users != 0 {
		t.Fatalf("after the last test: cluster %v, %d users; want none", c, users)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cluster directory %s still there (%v)", dir, err)
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), 5*time.Second)
	if err == nil {
		conn.Close()
		t.Errorf("something still listens on 127.0.0.1:%s", port)
	}
}

func TestFindBinariesNewestVersion(t *testing.T) {
	lib := t.TempDir()
	exe := func(path string) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []string{"9.6", "14", "15"} {
		exe(filepath.Join(lib, v, "bin", "initdb"))
		exe(filepath.Join(lib, v, "bin", "pg_ctl"))
	}
	exe(filepath.Join(lib, "16", "bin", "initdb")) // no pg_ctl: incomplete
	t.Setenv("PATH", t.TempDir())

	b, err := findBinaries(lib)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(lib, "15", "bin", "initdb"); b.initdb != want {
		t.Errorf("initdb = %s, want %s", b.initdb, want)
	}
	if want := filepath.Join(lib, "15", "bin", "pg_ctl"); b.pgCtl != want {
		t.Errorf("pg_ctl = %s, want %s", b.pgCtl, want)
	}

	// PATH comes first.
	onPath := t.TempDir()
	exe(filepath.Join(onPath, "initdb"))
	exe(filepath.Join(onPath, "pg_ctl"))
	t.Setenv("PATH", onPath)
	if b, err := findBinaries(lib); err != nil || b.initdb != filepath.Join(onPath, "initdb") {
		t.Errorf("with initdb on PATH: %+v, %v; want PATH's", b, err)
	}
}

func TestFindBinariesNoneSaysWhatToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := findBinaries(t.TempDir())
	var nf notFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want notFoundError", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "apt-get install postgresql") {
		t.Errorf("message %q: want one line naming the Debian package", msg)
	}
}

func TestVersionLess(t *testing.T) {
	for _, c := range []struct {
		a, b string
		less bool
	}{
		{"9.6", "10", true}, {"10", "9.6", false}, {"15", "16", true}, {"16", "15", false},
		{"15", "15", false}, {"x", "9", true}, {"9.5", "9.6", true},
	} {
		if got := versionLess(c.a, c.b); got != c.less {
			t.Errorf("versionLess(%q, %q) = %v, want %v", c.a, c.b, got, c.less)
		}
	}
}

func TestDatabaseName(t *testing.T) {
	a, b := databaseName("TestX/sub test #1"), databaseName("TestX/sub test #1")
	if a == b {
		t.Errorf("two names alike: %s", a)
	}
	long := databaseName(strings.Repeat("TestVeryLong", 20))
	if len(long) > 63 || !strings.HasPrefix(a, "pgtest_testx_sub_test__1_") {
		t.Errorf("names %s, %s: want pgtest_<name>_<hex> within 63 bytes", a, long)
	}
}
