package cmd

import "os"

var forwardedSignals = []os.Signal{os.Interrupt}
