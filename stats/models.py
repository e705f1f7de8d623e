# Statistics are computed from the other apps' data; this app has no models of its own.
