"""Tool declarations (one module per Akamai API) and the machinery that runs them."""
