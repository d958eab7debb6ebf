// Package model holds the domain types and sentinel errors the store and
// the bot share — subscriptions, channels, the delivery ledger, roles,
// sources, search hits — with no database driver behind them, so that the
// bot, the sources and every store implementation (SQLite today) agree on
// them without the bot linking a driver.
package model
