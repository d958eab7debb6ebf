// Package pgtest gives tests a throwaway PostgreSQL database.
//
// URL(t) returns the URL of a fresh, empty database that is dropped when the
// test ends. The databases live in one of two places:
//
//   - the server named by WXDIGEST_TEST_POSTGRES (a postgres:// URL of a role
//     that may CREATE DATABASE; its own database is the admin connection), or
//   - a cluster this package starts on 127.0.0.1 with initdb and pg_ctl from
//     PATH or /usr/lib/postgresql/<newest>/bin, once per test binary.
//
// A package whose tests use URL should stop the cluster after its run:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// Without that TestMain the cluster is stopped when the last test holding a
// database finishes, and the next URL call starts a new one (see Main).
//
// When the binaries are missing, URL fails the test with one line saying what
// to install; only under -short does it skip instead.
//
// initdb and pg_ctl refuse to run as root. When the test runs as root (a CI
// container), they run as the unprivileged user "nobody" through runuser(1),
// or su(1) where runuser is missing, and the cluster's directory is owned by
// nobody. The directory is made with os.MkdirTemp, so under root $TMPDIR must
// be a directory nobody can enter (the default /tmp is).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvServer names the environment variable holding the URL of an existing
// server to use instead of starting a cluster.
const EnvServer = "WXDIGEST_TEST_POSTGRES"

// Deadlines. A loaded two-core machine takes seconds for initdb; these only
// bound a step that has gone wrong.
const (
	initdbTimeout = 2 * time.Minute
	startTimeout  = time.Minute // pg_ctl start plus the first successful ping
	stopTimeout   = time.Minute
	queryTimeout  = 30 * time.Second // CREATE/DROP DATABASE and its connection
)

// dirPrefix starts the name of every cluster directory, so that a later run
// can find the ones a killed test binary left behind (sweep).
const dirPrefix = "wxdigest-pgtest-"

// shared is the one cluster of this test binary. It is process-wide because
// initdb and a server start cost a second or more each (seconds on a loaded
// machine), against milliseconds for a CREATE DATABASE; every URL call gets
// its own database inside it, so sharing the server shares no data.
var shared struct {
	mu      sync.Mutex
	c       *cluster // the running cluster; nil before the first URL and after a stop
	err     error    // why the cluster could not be started; later calls report it too
	managed bool     // Main is running the tests: the cluster lives until m.Run returns
	users   int      // databases not yet dropped; unmanaged, the last one out stops the cluster
}

// Main runs the tests and then stops the cluster, if one was started, and
// removes its directory. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// Without it the package still cleans up: the cleanup of the last test holding
// a database stops the cluster. That costs a fresh initdb and start (about a
// second) for each later test that runs after all earlier ones have finished,
// which is every test of a package whose tests are not parallel; with Main the
// cost is paid once per test binary.
//
// A binary that dies without running cleanups (a -timeout panic, SIGKILL)
// leaves its cluster running; the next cluster started on this machine stops
// and removes it, once the process that made it is gone.
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.managed = true
	shared.mu.Unlock()

	code := m.Run()

	shared.mu.Lock()
	c := shared.c
	shared.c = nil
	shared.managed = false
	shared.mu.Unlock()
	if c != nil {
		if err := c.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// URL returns a connection URL to a new, empty database (UTF8, C collation)
// for this test only, dropped (WITH (FORCE), so PostgreSQL 13 or newer) when
// the test and its subtests have finished. Close pools opened on it in a
// t.Cleanup registered after URL, or leave them: the drop disconnects them.
//
// The database is on the server named by WXDIGEST_TEST_POSTGRES if that is
// set, else in this binary's own cluster, started on first use:
// postgres://postgres@127.0.0.1:PORT/NAME?sslmode=disable.
func URL(t testing.TB) string {
	t.Helper()
	if env := os.Getenv(EnvServer); env != "" {
		admin, err := url.Parse(env)
		if err != nil || (admin.Scheme != "postgres" && admin.Scheme != "postgresql") {
			t.Fatalf("pgtest: %s must be a postgres:// URL, got %q", EnvServer, env)
		}
		return newDatabase(t, admin, func() {})
	}

	c, err := acquire()
	if err != nil {
		var nf notFoundError
		if errors.As(err, &nf) && testing.Short() {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	return newDatabase(t, c.adminURL(), release)
}

// newDatabase creates a database on the server of admin and registers its
// drop, followed by done, as a cleanup of t.
func newDatabase(t testing.TB, admin *url.URL, done func()) string {
	t.Helper()
	name := databaseName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	err := exec1(ctx, admin.String(), "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+
		" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
	if err != nil {
		done()
		t.Fatalf("pgtest: create database %s on %s: %v", name, admin.Redacted(), err)
	}
	t.Cleanup(func() {
		defer done()
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		defer cancel()
		if err := exec1(ctx, admin.String(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s on %s: %v", name, admin.Redacted(), err)
		}
	})
	u := *admin
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

// exec1 runs one statement on a connection of its own.
func exec1(ctx context.Context, connURL, sql string) error {
	conn, err := pgx.Connect(ctx, connURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// databaseName is pgtest_<test name>_<random>, within PostgreSQL's 63 bytes;
// the test name only helps whoever finds a database left behind.
func databaseName(testName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		if b.Len() == 32 {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return "pgtest_" + b.String() + "_" + randomHex(8)
}

func randomHex(n int) string {
	p := make([]byte, n)
	if _, err := rand.Read(p); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(p)
}

// acquire returns the running cluster, starting it on first use, and counts
// one more database in it; release undoes the count.
func acquire() (*cluster, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.err != nil {
		return nil, shared.err
	}
	if shared.c == nil {
		c, err := startCluster()
		if err != nil {
			shared.err = err
			return nil, err
		}
		shared.c = c
	}
	shared.users++
	return shared.c, nil
}

// release counts one database less; without Main, the last one stops the cluster.
func release() {
	shared.mu.Lock()
	shared.users--
	var c *cluster
	if shared.users == 0 && !shared.managed {
		c, shared.c = shared.c, nil
	}
	shared.mu.Unlock()
	if c != nil {
		if err := c.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
}

// notFoundError says the server binaries are missing and what to install.
type notFoundError struct{}

func (notFoundError) Error() string {
	return "pgtest: PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin; " +
		"install them (Debian: apt-get install postgresql) or set " + EnvServer + " to a server URL"
}

// binaries are the two programs a cluster needs.
type binaries struct{ initdb, pgCtl string }

// findBinaries looks on PATH first, then in libDir/*/bin for the newest
// version (Debian's /usr/lib/postgresql/15/bin, …).
func findBinaries(libDir string) (binaries, error) {
	if i, err := exec.LookPath("initdb"); err == nil {
		if p, err := exec.LookPath("pg_ctl"); err == nil {
			return binaries{i, p}, nil
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(libDir, "*", "bin"))
	sort.SliceStable(dirs, func(i, j int) bool {
		return versionLess(filepath.Base(filepath.Dir(dirs[j])), filepath.Base(filepath.Dir(dirs[i])))
	})
	for _, d := range dirs {
		b := binaries{filepath.Join(d, "initdb"), filepath.Join(d, "pg_ctl")}
		if isExecutable(b.initdb) && isExecutable(b.pgCtl) {
			return b, nil
		}
	}
	return binaries{}, notFoundError{}
}

// versionLess orders "9.6" < "10" < "15" < "16"; a name that is not a version sorts first.
func versionLess(a, b string) bool {
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}

func versionParts(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ".") {
		n, err := strconv.Atoi(f)
		if err != nil {
			return out
		}
		out = append(out, n)
	}
	return out
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// runner builds the commands of a cluster: directly, or as an unprivileged
// user when the test runs as root.
type runner struct {
	user     string // "" to run as ourselves
	uid, gid int
	via      string // runuser or su
}

func newRunner() (runner, error) {
	if os.Geteuid() != 0 {
		return runner{}, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return runner{}, fmt.Errorf("pgtest: running as root, and initdb refuses root: no user nobody to run it as: %v", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return runner{}, fmt.Errorf("pgtest: user nobody has uid %q gid %q", u.Uid, u.Gid)
	}
	r := runner{user: "nobody", uid: uid, gid: gid}
	for _, via := range []string{"runuser", "su"} {
		if p, err := exec.LookPath(via); err == nil {
			r.via = p
			return r, nil
		}
	}
	return runner{}, errors.New("pgtest: running as root, and initdb refuses root: neither runuser nor su found to run it as nobody")
}

func (r runner) command(ctx context.Context, dir, name string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	switch {
	case r.user == "":
		cmd = exec.CommandContext(ctx, name, args...)
	case filepath.Base(r.via) == "runuser":
		cmd = exec.CommandContext(ctx, r.via, append([]string{"-u", r.user, "--", name}, args...)...)
	default: // util-linux su hands the arguments after the user to the shell; "--" keeps su from reading them as its options
		cmd = exec.CommandContext(ctx, r.via, append([]string{"-s", "/bin/sh", "-c", `exec "$0" "$@"`, r.user, "--", name}, args...)...)
	}
	cmd.Dir = dir // nobody may not be able to enter the test's working directory
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// chown gives path to the runner's user, when there is one.
func (r runner) chown(path string) error {
	if r.user == "" {
		return nil
	}
	return os.Chown(path, r.uid, r.gid)
}

// cluster is a running server: its directory holds data/, the log and the
// Unix socket, and owner.pid names the process that started it.
type cluster struct {
	dir     string
	port    int
	bin     binaries
	run     runner
	startup time.Duration // initdb to first successful ping, for the tests' log
}

func (c *cluster) dataDir() string { return filepath.Join(c.dir, "data") }
func (c *cluster) logFile() string { return filepath.Join(c.dir, "postgres.log") }

// adminURL is the cluster's postgres database, as superuser postgres.
func (c *cluster) adminURL() *url.URL {
	return &url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	}
}

// startCluster runs initdb into a new directory and starts the server on a
// free loopback port.
func startCluster() (*cluster, error) {
	begin := time.Now()
	bin, err := findBinaries("/usr/lib/postgresql")
	if err != nil {
		return nil, err
	}
	run, err := newRunner()
	if err != nil {
		return nil, err
	}
	sweep(run, bin)

	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %v", err)
	}
	c := &cluster{dir: dir, bin: bin, run: run}
	fail := func(err error) (*cluster, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return fail(fmt.Errorf("pgtest: %v", err))
	}
	if err := run.chown(dir); err != nil {
		return fail(fmt.Errorf("pgtest: give %s to %s: %v", dir, run.user, err))
	}

	ctx, cancel := context.WithTimeout(context.Background(), initdbTimeout)
	defer cancel()
	out, err := run.command(ctx, dir, bin.initdb, "-D", c.dataDir(), "-A", "trust", "--no-sync",
		"-U", "postgres", "-E", "UTF8", "--locale=C").CombinedOutput()
	if err != nil {
		return fail(fmt.Errorf("pgtest: %s: %v\n%s", bin.initdb, err, out))
	}

	// The port is free when we look; another process may take it before the
	// server binds it, so a failed start is retried on a new port.
	var startErr error
	for attempt := 0; attempt < 3; attempt++ {
		if startErr = c.start(); startErr == nil {
			c.startup = time.Since(begin)
			return c, nil
		}
	}
	return fail(startErr)
}

// start starts the server on a free port and waits until it answers a ping.
func (c *cluster) start() error {
	port, err := freePort()
	if err != nil {
		return fmt.Errorf("pgtest: free port: %v", err)
	}
	c.port = port
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off", port, c.dir)
	// -w makes pg_ctl return as soon as the postmaster is ready, or has
	// exited (a port taken after all): no waiting out the deadline then.
	out, err := c.run.command(ctx, c.dir, c.bin.pgCtl, "start", "-D", c.dataDir(), "-l", c.logFile(),
		"-w", "-t", strconv.Itoa(int(startTimeout/time.Second)), "-o", opts).CombinedOutput()
	if err != nil {
		c.stopServer("immediate") // in case it came up after pg_ctl gave up
		return fmt.Errorf("pgtest: pg_ctl start: %v\n%s%s", err, out, c.logTail())
	}
	if err := c.ping(ctx); err != nil {
		c.stopServer("immediate")
		return fmt.Errorf("pgtest: server on port %d does not answer: %v%s", port, err, c.logTail())
	}
	return nil
}

// ping connects until the server answers or ctx ends.
func (c *cluster) ping(ctx context.Context) error {
	retry := time.NewTicker(20 * time.Millisecond)
	defer retry.Stop()
	for {
		conn, err := pgx.Connect(ctx, c.adminURL().String())
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(context.Background())
			if err == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return err
		case <-retry.C:
		}
	}
}

// stop stops the server and removes its directory.
func (c *cluster) stop() error {
	err := c.stopServer("fast")
	if err != nil {
		if err2 := c.stopServer("immediate"); err2 == nil {
			err = nil
		}
	}
	if rmErr := os.RemoveAll(c.dir); err == nil && rmErr != nil {
		err = fmt.Errorf("pgtest: %v", rmErr)
	}
	return err
}

func (c *cluster) stopServer(mode string) error {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	out, err := c.run.command(ctx, c.dir, c.bin.pgCtl, "stop", "-D", c.dataDir(), "-m", mode,
		"-w", "-t", strconv.Itoa(int(stopTimeout/time.Second))).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop -m %s: %v\n%s", mode, err, out)
	}
	return nil
}

// logTail is the end of the server log, for a start that failed.
func (c *cluster) logTail() string {
	b, err := os.ReadFile(c.logFile())
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\nserver log:\n" + string(b)
}

// freePort returns a loopback port nothing listens on right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// sweep stops and removes clusters left by test binaries that died without
// their cleanups. A directory whose owner.pid is missing (being made) or
// names a live process is left alone; errors are ignored, the sweep is a
// courtesy.
func sweep(run runner, bin binaries) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || alive(pid) {
			continue
		}
		c := &cluster{dir: dir, bin: bin, run: run}
		if _, err := os.Stat(filepath.Join(c.dataDir(), "postmaster.pid")); err == nil {
			c.stopServer("immediate")
		}
		os.RemoveAll(dir)
	}
}

// alive reports whether process pid exists (possibly another user's).
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
