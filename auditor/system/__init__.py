"""System audit: sudoers rules and systemd units checked against the isolation policy."""
