package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Redeliver delivers the stream to the applier again from sequence from
// through a consumer of its own, as the server does when an acknowledgement
// was lost after the store committed, until the consumer has acknowledged
// the stream's last message or ctx ends.
func (a *Applier) Redeliver(ctx context.Context, from uint64) error {
	last, err := a.c.StreamLastSeq(ctx)
	if err != nil {
		return err
	}
	cons, err := a.c.stream.CreateConsumer(ctx, jetstream.ConsumerConfig{
		AckPolicy: jetstream.AckAllPolicy, DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from,
	})
	if err != nil {
		return err
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.consume(cctx, cons) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		info, err := cons.Info(ctx)
		if err != nil {
			return err
		}
		if info.AckFloor.Stream >= last {
			cancel()
			return <-done
		}
		select {
		case err := <-done:
			return fmt.Errorf("redelivery stopped at %d of %d: %v", info.AckFloor.Stream, last, err)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C: // the consumer's state is the server's: asked again
		}
	}
}
