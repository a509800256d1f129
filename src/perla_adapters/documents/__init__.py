"""The documents' adapters: the PDF renderer (fpdf2), the local-folder and S3 stores, and the
signed links perla serves for the local folder."""
