package signals

// UnignoreForTests does nothing on Windows: there is no ignored console
// signal for a child to inherit.
func UnignoreForTests() {}
