"""The orders, the menu and its options, for a business's people."""
