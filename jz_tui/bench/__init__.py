"""The standard workload, its measurements (jz bench), synthetic data and the demo session.
May import services, rules, apps and storage; never the command line."""
