"""prodops: a product-operations assistant grounded in a company's own documents."""

__version__ = "0.1.0"
