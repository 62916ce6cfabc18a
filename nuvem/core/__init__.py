"""Clock, ids, events, the scheduler and the internal client: what every service is given."""
