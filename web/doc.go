// Package web is wxdigest's console for staff and admins, its JSON API,
// /healthz and /metrics, as one http.Handler that `wxdigest run` mounts.
//
// It owns: the console pages (server-rendered html/template in Chinese,
// embedded with their CSS and a little JavaScript), console logins
// (argon2id password hashes, sessions, CSRF tokens, per-account and
// per-address rate limits on login attempts), bearer tokens for /api/,
// the role checks (staff and admin), approval (审核) of slots that wait
// for it, the health document and the Prometheus metrics (Metrics, with a
// registry of its own).
//
// Everything it reads or changes comes through small interfaces declared
// here (Articles, Digests, Subscriptions, Deliveries, Pusher, Sources,
// Roles, Audit, Login, Users, Tokens, Approvals, Health, Channels) that the stores
// and the running bot implement; it holds no package-level state and
// imports no database driver. Changes go through bot.Manager where the
// chat and the CLI make the same change, and every change is audited as
// "web:NAME" (a console user) or "token:NAME" (an API token).
//
// The JSON the API serves for articles, digests, subscriptions and
// deliveries is built by internal/jsonview, the same as the CLI's
// --format json.
package web
