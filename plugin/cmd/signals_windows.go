package cmd

import "os"

// absorbedSignals: Ctrl-C and Ctrl-Break reach every process of the
// console, the child included; kp-token only outlives them while the child
// decides.
var absorbedSignals = []os.Signal{os.Interrupt}

// forwardedSignals: Windows has no signals to send to one process.
var forwardedSignals []os.Signal

// Raise cannot end a process with a signal on Windows: the caller exits
// with the code instead.
func Raise(os.Signal) {}
