//go:build !unix

package lambdasim

import "time"

// cpuTime is unavailable here; benchmarks then omit req/cpu-s.
func cpuTime() time.Duration { return 0 }
