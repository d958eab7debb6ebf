package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, one
// lane). CheckPassword reads them from the hash, so they can be raised
// later without invalidating stored hashes.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
	// maxPassword bounds what is hashed: a longer "password" is an attack
	// on the CPU, not a password.
	maxPassword = 1024
	// minPassword is what HashPassword accepts for a new password.
	minPassword = 8
)

// ErrWeakPassword: a new password too short (or too long) to accept.
var ErrWeakPassword = fmt.Errorf("web: password: want %d to %d bytes", minPassword, maxPassword)

// HashPassword hashes a new console password with argon2id into the
// encoded form model.User.PasswordHash keeps:
// $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH (unpadded base64).
func HashPassword(password string) (string, error) {
	if len(password) < minPassword || len(password) > maxPassword {
		return "", ErrWeakPassword
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("web: password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches an encoded hash made by
// HashPassword. A malformed hash never matches.
func CheckPassword(encoded, password string) bool {
	if len(password) > maxPassword {
		return false
	}
	p, ok := parseArgon(encoded)
	if !ok {
		return false
	}
	key := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1
}

type argonParams struct {
	time, memory uint32
	threads      uint8
	salt, key    []byte
}

func parseArgon(s string) (argonParams, bool) {
	var p argonParams
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, false
	}
	var threads uint32
	if _, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &threads); err != nil {
		return p, false
	}
	// Bounds that keep a forged hash from costing the server much.
	if p.time < 1 || p.time > 10 || p.memory < 1024 || p.memory > 1<<20 || threads < 1 || threads > 16 {
		return p, false
	}
	p.threads = uint8(threads)
	var err error
	if p.salt, err = base64.RawStdEncoding.DecodeString(f[4]); err != nil || len(p.salt) < 8 {
		return p, false
	}
	if p.key, err = base64.RawStdEncoding.DecodeString(f[5]); err != nil || len(p.key) < 16 || len(p.key) > 64 {
		return p, false
	}
	return p, true
}

// tokenPrefix marks wxdigest API tokens, so a leaked one is recognised.
const tokenPrefix = "wxd_"

// NewToken makes an API bearer token: plain is shown once to whoever
// created it, hash (TokenHash of plain) is all the store keeps.
func NewToken() (plain, hash string) {
	plain = tokenPrefix + randomString(32)
	return plain, TokenHash(plain)
}

// TokenHash is the hex SHA-256 of a bearer token or session cookie value,
// what the store looks them up by.
func TokenHash(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// randomString is n random bytes, base64url without padding.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails since Go 1.24 (it crashes the program instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// dummyHash is checked against when the account does not exist, so the
// time a failed login takes does not tell whether the name is taken.
func dummyHash() string {
	h, _ := HashPassword("not-a-password-of-anyone")
	return h
}

// Login rate limits: failures are counted per account and per remote
// address over a window; past the limit, further attempts are refused
// until the oldest failure leaves the window.
const (
	loginWindow     = 15 * time.Minute
	maxFailsAccount = 5
	maxFailsAddress = 20
)

// errTooMany: login attempts refused for a while.
var errTooMany = errors.New("too many login attempts")

// limiter counts failed logins in memory.
type limiter struct {
	now  func() time.Time
	mu   sync.Mutex
	fail map[string][]time.Time // "u:NAME" or "a:ADDR" → failure times, oldest first
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, fail: make(map[string][]time.Time)}
}

// keys of an attempt: the account, then the address.
func limitKeys(name, addr string) [2]string {
	return [2]string{"u:" + strings.ToLower(name), "a:" + addr}
}

// prune drops failures older than the window; call with mu held.
func (l *limiter) prune(key string, now time.Time) []time.Time {
	ts := l.fail[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= loginWindow {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fail, key)
		return nil
	}
	l.fail[key] = ts
	return ts
}

// allow reports whether an attempt may be checked now, and if not, how
// long until it may.
func (l *limiter) allow(name, addr string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	keys := limitKeys(name, addr)
	var wait time.Duration
	for i, max := range []int{maxFailsAccount, maxFailsAddress} {
		ts := l.prune(keys[i], now)
		if len(ts) >= max {
			if w := loginWindow - now.Sub(ts[len(ts)-max]); w > wait {
				wait = w
			}
		}
	}
	return wait == 0, wait
}

// failed records a failed attempt.
func (l *limiter) failed(name, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range limitKeys(name, addr) {
		l.fail[k] = append(l.prune(k, now), now)
	}
	// Bound memory under a spray of names: forget the oldest keys.
	if len(l.fail) > 10000 {
		for k := range l.fail {
			l.prune(k, now)
		}
	}
}

// succeeded clears the account's failures (not the address's).
func (l *limiter) succeeded(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fail, limitKeys(name, "")[0])
}
