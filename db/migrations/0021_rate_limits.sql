-- UNLOGGED: counters are worth nothing after a crash, and are written on every request.
CREATE UNLOGGED TABLE "rate_limit_hits" (
	"key" text PRIMARY KEY NOT NULL,
	"window_ends" timestamp with time zone NOT NULL,
	"hits" integer NOT NULL
);
