"""The command line: one module per command group, the helpers they share (common), and the
entry point that wires them (main). May import services, rules, apps and bench; nothing imports it."""
