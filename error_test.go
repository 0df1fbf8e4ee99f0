package chapterhouse

import "testing"

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{
		0: "0", 7: "7", 999: "999", 1000: "1,000", 5000: "5,000", 20000: "20,000", 100000: "100,000",
		1234567: "1,234,567", -1234: "-1,234", -999: "-999",
	} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
	if got := AtMostChars(MaxCommentLen); got != "Use at most 5,000 characters." {
		t.Errorf("AtMostChars(MaxCommentLen) = %q", got)
	}
}
