"""The privacy context (UU PDP 27/2022): personal-data field registry, data-subject requests,
breach register and retention."""
