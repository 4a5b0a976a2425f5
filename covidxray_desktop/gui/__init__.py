"""The desktop window: a thin Qt layer that wires the engine's work to widgets."""
