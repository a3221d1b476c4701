module github.com/libvet/libvet

go 1.24.0

require (
	github.com/ianlancetaylor/demangle v0.0.0-20260724033716-83e58baca724
	github.com/klauspost/compress v1.19.2
	github.com/spf13/pflag v1.0.10
)

require (
	github.com/ayoubfaouzi/pkcs7 v0.2.3 // indirect
	github.com/blacktop/go-dwarf v1.1.0 // indirect
	github.com/blacktop/go-macho v1.1.296 // indirect
	github.com/edsrzf/mmap-go v1.1.0 // indirect
	github.com/saferwall/pe v1.6.5 // indirect
	golang.org/x/crypto v0.33.0 // indirect
	golang.org/x/sys v0.30.0 // indirect
	golang.org/x/text v0.22.0 // indirect
)
