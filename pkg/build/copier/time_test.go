package copier

import "time"

var time0 = time.Unix(0, 0)
