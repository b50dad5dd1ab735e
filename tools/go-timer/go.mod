module retrysim/tools/go-timer

go 1.19
