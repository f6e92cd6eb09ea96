package archive

import (
	"bufio"
	"context"
	"errors"
	"fmt"

	"github.com/tagpulse/tagpulse/collector/telegram"
)

// readTelegram reads a Telegram Desktop export message by message
// (telegram.ReadExport), each a record numbered by the line it starts on,
// so that an export of a channel's whole history is never held whole.
func readTelegram(br *bufio.Reader, batchSize int, send func([]record) bool, malformed func(int, error)) error {
	if b, _ := br.Peek(3); string(b) == "\ufeff" {
		br.Discard(3) // a byte order mark, which JSON does not allow
	}
	lc := &lineCounter{r: br}
	batch := make([]record, 0, batchSize)
	lim := batchLimit{size: batchSize}
	n := 0
	err := telegram.ReadExport(lc, func(off int64, rec []byte) error {
		batch = append(batch, record{line: lc.lineAt(off), data: rec})
		n++
		if lim.full(batch) {
			if !send(batch) {
				return context.Canceled
			}
			batch = make([]record, 0, batchSize)
		}
		return nil
	})
	if errors.Is(err, context.Canceled) {
		return err
	}
	if len(batch) > 0 && !send(batch) {
		return context.Canceled
	}
	if de := (*decompressError)(nil); errors.As(err, &de) {
		if n == 0 {
			return err
		}
		return fmt.Errorf("%w; the messages before it were imported", err)
	}
	if se := (*telegram.SyntaxError)(nil); errors.As(err, &se) {
		// A syntax error leaves no way to find the next message.
		malformed(lc.lineAt(se.Offset), fmt.Errorf("JSON ends or breaks here, rest of file skipped: %w", se.Err))
		return nil
	}
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w (a Telegram export without messages): nothing to import", ErrEmpty)
	}
	return nil
}
