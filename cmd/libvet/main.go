package main

import (
	"context"
	"os"
)

func main() {
	// Third-party parsers may print; keep the real stdout for our output
	// and send anything else that writes to os.Stdout to stderr.
	stdout := os.Stdout
	os.Stdout = os.Stderr
	os.Exit(run(context.Background(), os.Args[1:], env{
		stdout: stdout, stderr: os.Stderr, getenv: os.Getenv, isTerminal: isTerminal(stdout),
	}))
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
