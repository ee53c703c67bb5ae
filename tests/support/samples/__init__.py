"""What a docs page's Python block runs after, when it shows only a part of an app: a block
marked ``<!-- sample: after tests/support/samples/NAME.py -->`` runs in a namespace where the
named file has run first (see CONTRIBUTING.md, "Code in the docs")."""
