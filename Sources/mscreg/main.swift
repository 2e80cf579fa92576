// The entry point: parse, run one command, map every error to SPEC §5's exit statuses.
Entry.run()
