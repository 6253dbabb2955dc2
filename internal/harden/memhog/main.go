// Command memhog allocates and touches the given number of MiB, then exits 0. CI runs it under
// its memory limit to check that the limit stops a large allocation before the fuzzers rely on
// the same limit.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	mib, err := strconv.Atoi(os.Args[len(os.Args)-1])
	if err != nil || mib < 0 {
		fmt.Fprintln(os.Stderr, "usage: memhog MiB")
		os.Exit(2)
	}
	b := make([]byte, mib<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	fmt.Println(len(b))
}
