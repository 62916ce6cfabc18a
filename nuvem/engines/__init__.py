"""Data planes: real engines that converge to the state the API recorded (DESIGN principle 7)."""
