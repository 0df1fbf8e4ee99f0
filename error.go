// Package chapterhouse holds the domain of the portal: groups, people, roles
// and the rules that govern them. It does no I/O; sqldb persists it and web
// serves it.
package chapterhouse

import (
	"errors"
	"fmt"
	"strconv"
)

// Error codes cross layers instead of error text, so that the web layer can
// map them to statuses and safe messages without parsing strings.
const (
	EBADREQUEST   = "bad_request"
	ECONFLICT     = "conflict"
	EFORBIDDEN    = "forbidden"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	ETOOMANY      = "too_many_requests"
	ETOOLARGE     = "too_large"
)

// Error is an application error whose message is safe to show to users.
// Fields maps a form or JSON field name to what is wrong with it.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string {
	return fmt.Sprintf("chapterhouse: %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrors collects per-field problems while validating input.
type FieldErrors map[string]string

// Add records the first problem found for a field; later ones are dropped so
// the user sees one clear message per field.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns an EINVALID *Error when any field is wrong, otherwise nil.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Some fields need attention.", Fields: f}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not *Error
// and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// ErrorFields returns the per-field problems carried by err, if any.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Invalid is the EINVALID error of one field: message says what is wrong
// above the form or in the API's answer, hint says it next to the field.
func Invalid(message, field, hint string) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: map[string]string{field: hint}}
}

// AtMostChars is the hint next to a text longer than its limit n, in the
// words every form uses: "Use at most 5,000 characters."
func AtMostChars(n int) string { return "Use at most " + Thousands(n) + " characters." }

// Thousands writes n with a comma between groups of three digits, as pages
// write numbers: 20,000.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s
}
