"""Dataset discovery and patient split, decoded-image cache, the 16-epoch job, metrics, report."""
