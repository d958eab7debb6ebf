// Package digest owns the text side of wxdigest: the Article type, parsing
// newspaper page text into articles (re-joining layout breaks, finding
// headlines, openers, bylines and trailers), sentence splitting, lead
// extraction, and composing a day's articles into a digest rendered as
// chat-sized message parts.
//
// It is pure: text in, values out. It does no I/O and knows nothing about
// SQL or chat transports.
package digest
