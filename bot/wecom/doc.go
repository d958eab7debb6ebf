// Package wecom is a small client for the two WeCom (企业微信) channels the
// digest can be pushed through:
//
//   - a group robot (群机器人): a webhook URL with a key, posting text,
//     markdown, a picture or news cards straight into one internal group;
//   - a corp's customer-group mass send (客户群群发): a task created with
//     externalcontact/add_msg_template for a staff member, who confirms it
//     in the WeCom app before WeCom delivers it to the customer groups.
//
// Limits WeCom documents are checked before anything is sent, so a message
// that is too long fails here with a clear error instead of at WeCom. Errors
// wrap the bot package's sentinels (bot.ErrRateLimited, bot.ErrRejected,
// bot.ErrNetwork) and ErrQuota, so the sender can pause, fail the channel or
// retry. The robot key, the corp secret and the access token never appear in
// an error or a log line.
//
// Outgoing connections follow the same address policy as package source:
// loopback and private addresses are refused unless AllowPrivate is set
// (tests and the offline demo point the client at wecomtest on 127.0.0.1).
//
// docs/wecom.md lists the WeCom facts this package relies on, with sources.
package wecom
