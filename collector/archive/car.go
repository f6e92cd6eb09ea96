package archive

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tagpulse/tagpulse/collector/bluesky"
)

// readCAR reads a Bluesky repository export (a CAR file, told by its
// header) into records, one a post or repost, numbered by their block.
func readCAR(r io.Reader, batchSize int, send func([]record) bool, malformed func(int, error)) error {
	batch := make([]record, 0, batchSize)
	records := 0
	err := bluesky.ReadRepo(r, func(rec bluesky.RepoRecord) error {
		batch = append(batch, record{line: rec.Block, data: rec.JSON})
		records++
		if len(batch) == batchSize {
			if !send(batch) {
				return context.Canceled
			}
			batch = make([]record, 0, batchSize)
		}
		return nil
	}, func(err error) {
		be := (*bluesky.BlockError)(nil)
		errors.As(err, &be)
		malformed(be.Block, err)
	})
	if errors.Is(err, context.Canceled) {
		return err
	}
	if len(batch) > 0 && !send(batch) {
		return context.Canceled
	}
	if err != nil {
		if errors.Is(err, bluesky.ErrNotRepo) {
			return fmt.Errorf("%w: %w (%s)", ErrUnknownFormat, err, knownFormats())
		}
		return err
	}
	if records == 0 {
		return fmt.Errorf("%w (a Bluesky repository without posts or reposts): nothing to import", ErrEmpty)
	}
	return nil
}
