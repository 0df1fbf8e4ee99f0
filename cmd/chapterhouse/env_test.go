package main

import "testing"

func TestEnvBool(t *testing.T) {
	for _, tc := range []struct {
		value   string
		set     bool
		want    bool
		wantErr bool
	}{
		{set: false, want: false},
		{value: "", set: true, want: false},
		{value: "true", set: true, want: true},
		{value: "1", set: true, want: true},
		{value: "false", set: true, want: false},
		{value: "0", set: true, want: false},
		{value: "yes please", set: true, wantErr: true},
	} {
		if tc.set {
			t.Setenv("CHAPTERHOUSE_DEMO", tc.value)
		}
		got, err := envBool("DEMO")
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("CHAPTERHOUSE_DEMO=%q (set %v): %v, %v; want %v, error %v", tc.value, tc.set, got, err, tc.want, tc.wantErr)
		}
	}
}
