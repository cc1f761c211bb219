// Command steward keeps an AWS estate known, owned, cheap, secure and
// shippable. main only wires the process to the cli package.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/steward-sre/steward/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go exitOnSecondSignal(ctx, func(c chan<- os.Signal) { signal.Notify(c, os.Interrupt, syscall.SIGTERM) }, func() {
		fmt.Fprintln(os.Stderr, "steward: interrupted again; exiting now")
		os.Exit(cli.ExitInterrupted)
	})
	code := cli.Main(ctx, os.Args[1:], cli.Env{
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		IsTTY:  isTTY,
	})
	stop()
	os.Exit(code)
}

// exitOnSecondSignal: the first SIGINT or SIGTERM cancels ctx and steward
// stops at the next point that checks it, keeping what is stored whole. A
// second one, from someone who will not wait (or a supervisor after its
// grace period), calls exit at once, whatever steward is doing. notify
// subscribes a channel to those signals.
func exitOnSecondSignal(ctx context.Context, notify func(chan<- os.Signal), exit func()) {
	<-ctx.Done()
	again := make(chan os.Signal, 1)
	notify(again)
	<-again
	exit()
}

func isTTY(w io.Writer) (bool, int) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false, 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		width = 0
	}
	return true, width
}
