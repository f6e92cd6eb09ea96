# Day-to-day targets; CI runs .ci/run.
.PHONY: test race lint bench demo

test:
	go test ./...

race:
	go test -race -count=1 ./...

lint:
	go vet ./...
	test -z "$$(gofmt -l .)"
	go run honnef.co/go/tools/cmd/staticcheck@v0.6.1 ./...

bench:
	go test ./cmd/tagpulse -run XXX -bench ImportV1 -benchtime 3x
	go test ./aggregator -run XXX -bench . -benchtime 3x
	go test ./dashboard -run XXX -bench Scrape

demo:
	go run ./cmd/tagpulse demo
