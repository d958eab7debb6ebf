// Package bottest owns in-memory stand-ins for bot's outside world, for
// tests in package bot and of the command line: a Transport that records
// what was sent (stamped with an injected clock), delivers injected
// messages and fails sends on script, and a fake Clock whose timers fire
// only when the test moves time.
package bottest
