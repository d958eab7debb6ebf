package bot

import "github.com/wxdigest/wxdigest/data"

// *data.Store is the production Store; this fails to compile when the two
// drift apart.
var _ Store = (*data.Store)(nil)
