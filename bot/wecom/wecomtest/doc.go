// Package wecomtest is a fake WeCom (企业微信) server, as faithful to the
// documented protocol as docs/wecom.md allows: the group robot webhook with
// its message types, byte limits, image md5 check and 20-per-minute window;
// gettoken with 7200 s tokens; and the customer-group mass-send task flow
// (add_msg_template, get_groupmsg_task, get_groupmsg_send_result) with the
// sender's confirmation and the monthly per-group quota.
//
// Tests drive it through methods (AddRobot, Fault, Confirm, …) or, from
// outside the process, through the JSON control API under /_fake/ that
// `wxdigest fake-wecom` serves. Every clock reading goes through
// Config.Now, so windows and expiries are deterministic in tests.
//
// What it does not model: attachments, chat_type "single", @-mentions,
// file/voice/template_card robot messages, real customer groups (any chat
// id is accepted), the 41063 "still being dispatched" answer right after a
// task is created, and WeCom's other frequency limits.
package wecomtest
