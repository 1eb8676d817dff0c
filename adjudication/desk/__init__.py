"""The results desk: its pages, its API, its socket and the snapshot the socket sends."""
