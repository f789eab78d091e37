package privatefs

import "errors"

// takeNew takes a lock just created; one that someone else already holds
// is an error.
func takeNew(l *Lock) (*Lock, error) {
	ok, err := l.TryLock()
	if err != nil || !ok {
		l.Close()
		if err == nil {
			err = errors.New("lock taken")
		}
		return nil, err
	}
	return l, nil
}
