module github.com/steward-sre/steward

go 1.26.8
