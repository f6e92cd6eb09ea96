package telegram

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// IsExport tells from the first bytes of a file (its head, a few KB)
// whether it is a Telegram Desktop export that ReadExport can read message
// by message: a top-level object whose first keys are a chat's scalar name,
// type and id before its "messages", or the whole-account export, which
// begins with "personal_information" or "chats", or with "about" and then
// holds one of them.
func IsExport(head []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(head))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		k, _ := t.(string)
		keys = append(keys, k)
		switch {
		case k == "messages":
			// a chat: messages after its scalar header fields
			return hasAll(keys, "id", "type")
		case k == "chats" || k == "personal_information":
			return keys[0] == "about" || len(keys) == 1
		case len(keys) > 1 && keys[0] == "about":
		case k != "name" && k != "type" && k != "id" && k != "about":
			return false
		}
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			break // the head ends inside this value
		}
	}
	return false
}

func hasAll(keys []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, k := range keys {
			found = found || k == w
		}
		if !found {
			return false
		}
	}
	return true
}

// A SyntaxError is where an export stops being JSON: nothing after it can
// be read.
type SyntaxError struct {
	Offset int64 // in the input, where it breaks
	Err    error
}

func (e *SyntaxError) Error() string { return e.Err.Error() }
func (e *SyntaxError) Unwrap() error { return e.Err }

// ReadExport reads a Telegram Desktop export (a chat's result.json, or the
// whole account's) from r one message at a time, so that an export of
// millions of messages is never held whole. It calls emit with each message
// of each chat as a record of its own, a one-message export of the chat
// ({"name", "type", "id", "messages": [message]}) that Format detects and
// parses as it would the whole, and the offset in r where the message
// begins. A chat whose messages come before its id and type (Telegram
// writes them after) has its messages held until the end of the chat.
//
// An error from emit stops ReadExport and is returned as it is; JSON that
// breaks is a *SyntaxError; an export without a chat is ErrNotExport.
func ReadExport(r io.Reader, emit func(offset int64, rec []byte) error) error {
	dec := json.NewDecoder(r)
	rd := exportReader{dec: dec, emit: emit}
	if err := rd.delim('{'); err != nil {
		return err
	}
	if err := rd.chat(true); err != nil {
		return err
	}
	if rd.chats == 0 {
		return ErrNotExport
	}
	return nil
}

// ErrNotExport is a JSON object that holds no Telegram chat.
var ErrNotExport = errors.New("not a Telegram export: no chat with messages")

type exportReader struct {
	dec   *json.Decoder
	emit  func(int64, []byte) error
	chats int
	rec   []byte
}

func (rd *exportReader) syntax(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return &SyntaxError{Offset: rd.dec.InputOffset(), Err: err}
}

// decode decodes the next value into v; where it breaks, the error's
// offset is where in the value it does. (A Decoder's *json.SyntaxError
// counts its offset in a way of its own; the decoder's buffer, from the
// value's start, holds where it broke, and a fresh scan of it finds it.)
func (rd *exportReader) decode(v *json.RawMessage) error {
	err := rd.dec.Decode(v)
	if err == nil {
		return nil
	}
	e := rd.syntax(err).(*SyntaxError)
	if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
		rest, _ := io.ReadAll(rd.dec.Buffered())
		var x json.RawMessage
		if se2 := (*json.SyntaxError)(nil); errors.As(json.Unmarshal(rest, &x), &se2) {
			e.Offset += se2.Offset - 1 // Offset counts the bad byte
		}
	}
	return e
}

func (rd *exportReader) delim(want json.Delim) error {
	t, err := rd.dec.Token()
	if err != nil {
		return rd.syntax(err)
	}
	if t != want {
		return rd.syntax(fmt.Errorf("want %v, found %v", want, t))
	}
	return nil
}

// chat reads the rest of an object that may be a chat (its '{' read); top
// is the file's object, which may also hold the account's "chats".
func (rd *exportReader) chat(top bool) error {
	var name, typ, id json.RawMessage
	type held struct {
		off int64
		msg json.RawMessage
	}
	var early []held
	hasMessages := false
	send := func(off int64, msg json.RawMessage) error {
		rd.rec = append(rd.rec[:0], `{"name":`...)
		rd.rec = append(append(rd.rec, orNull(name)...), `,"type":`...)
		rd.rec = append(append(rd.rec, orNull(typ)...), `,"id":`...)
		rd.rec = append(append(rd.rec, orNull(id)...), `,"messages":[`...)
		rd.rec = append(append(rd.rec, msg...), "]}"...)
		return rd.emit(off, bytes.Clone(rd.rec))
	}
	for rd.dec.More() {
		t, err := rd.dec.Token()
		if err != nil {
			return rd.syntax(err)
		}
		var dst *json.RawMessage
		switch t {
		case "name":
			dst = &name
		case "type":
			dst = &typ
		case "id":
			dst = &id
		case "messages":
			hasMessages = true
			if err := rd.delim('['); err != nil {
				return err
			}
			for rd.dec.More() {
				var m json.RawMessage
				if err := rd.decode(&m); err != nil {
					return err
				}
				off := rd.dec.InputOffset() - int64(len(m))
				if id == nil || typ == nil {
					early = append(early, held{off, m})
					continue
				}
				if err := send(off, m); err != nil {
					return err
				}
			}
			if err := rd.delim(']'); err != nil {
				return err
			}
			continue
		case "chats":
			if !top {
				break
			}
			if err := rd.chatList(); err != nil {
				return err
			}
			continue
		}
		var v json.RawMessage
		if dst == nil {
			dst = &v // a key tagpulse does not read: skipped
		}
		if err := rd.decode(dst); err != nil {
			return err
		}
	}
	if err := rd.delim('}'); err != nil {
		return err
	}
	if hasMessages && id != nil && typ != nil {
		rd.chats++
	}
	for _, h := range early {
		if err := send(h.off, h.msg); err != nil {
			return err
		}
	}
	return nil
}

// chatList reads the account's "chats" object: {"about", "list": [chat, …]}.
func (rd *exportReader) chatList() error {
	if err := rd.delim('{'); err != nil {
		return err
	}
	for rd.dec.More() {
		t, err := rd.dec.Token()
		if err != nil {
			return rd.syntax(err)
		}
		if t != "list" {
			var v json.RawMessage
			if err := rd.decode(&v); err != nil {
				return err
			}
			continue
		}
		if err := rd.delim('['); err != nil {
			return err
		}
		for rd.dec.More() {
			if err := rd.delim('{'); err != nil {
				return err
			}
			if err := rd.chat(false); err != nil {
				return err
			}
		}
		if err := rd.delim(']'); err != nil {
			return err
		}
	}
	return rd.delim('}')
}

func orNull(v json.RawMessage) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	return v
}
