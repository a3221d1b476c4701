package externaldeps

import "testing"

func TestCovers(t *testing.T) {
	tests := []struct {
		declared, needed string
		want             bool
	}{
		{"dep:generic/libpq", "dep:generic/libpq", true},
		{"dep:generic/libpq@>=14", "dep:generic/libpq", true},
		{"pkg:generic/libpq", "dep:generic/libpq", true},
		{"dep:generic/openssl", "dep:generic/libpq", false},
		{"dep:virtual/interface/blas", "dep:generic/openblas", true}, // an implementation of the declared interface
		{"dep:generic/openblas", "dep:virtual/interface/blas", true},
		{"dep:virtual/interface/lapack", "dep:generic/libpq", false},
		{"not a depurl", "dep:generic/libpq", false},
	}
	for _, tt := range tests {
		if got := Covers(tt.declared, tt.needed); got != tt.want {
			t.Errorf("Covers(%q, %q) = %v, want %v", tt.declared, tt.needed, got, tt.want)
		}
	}
}
