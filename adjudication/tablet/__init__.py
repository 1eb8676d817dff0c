"""The judges' tablet: its pages, its API, its socket and the snapshot the socket sends;
sessions bound to a judge and the desk's one-time codes."""
