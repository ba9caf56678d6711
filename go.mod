module ctexec

go 1.24
