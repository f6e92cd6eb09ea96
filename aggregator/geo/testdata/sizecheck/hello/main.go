// Command hello is the program TestBinaryGrowth compares with.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println(os.Args[len(os.Args)-1])
}
