"""The event stream: stored events as CloudEvents, and subscriptions that follow the log."""
