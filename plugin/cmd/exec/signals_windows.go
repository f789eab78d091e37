package exec

import "os"

// absorbedSignals: Ctrl-C and Ctrl-Break reach every process of the
// console, the child included; kp-token only outlives them while the child
// decides.
var absorbedSignals = []os.Signal{os.Interrupt}

// forwardedSignals: Windows has no signals to send to one process.
var forwardedSignals []os.Signal
