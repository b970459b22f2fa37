// The time zone every child runs in: UTC, the zone of rolevisor's own JSON log lines, so
// that the lines of syslog-ng, Celery, uwsgi and nginx line up with ours (they stamped
// TIMEZONE's local time while ours said UTC). TIMEZONE itself is the app's time zone: it
// goes to config.yml and the backup schedule, not to the processes' clocks.
export const CHILD_TZ = 'UTC';
