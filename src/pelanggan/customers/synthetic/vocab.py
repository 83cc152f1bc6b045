"""Word lists for synthetic customers: personal names, street names, organisations.

Written for this project. The mix leans Sundanese and Javanese because the demo
area is West Java, with common pan-Indonesian, Batak and Chinese-Indonesian
names so that the data does not look like a single village.
"""

from __future__ import annotations

from typing import Final

# Word lists are kept dense; one word per line would triple the file.
# fmt: off
MALE_FIRST_NAMES: Final = (
    "Asep", "Dadang", "Ujang", "Cecep", "Dede", "Agus", "Budi", "Andi", "Dedi", "Rudi",
    "Hendra", "Iwan", "Yudi", "Rizki", "Fajar", "Dimas", "Bayu", "Eko", "Joko", "Bambang",
    "Slamet", "Teguh", "Wahyu", "Yusuf", "Ahmad", "Muhammad", "Rahmat", "Irfan", "Ilham",
    "Arif", "Aditya", "Reza", "Fikri", "Galih", "Gilang", "Hilman", "Ikhsan", "Jajang",
    "Kurnia", "Lukman", "Maman", "Nana", "Oman", "Pepen", "Rian", "Sandi", "Taufik", "Ucup",
    "Wawan", "Yayan", "Zaenal", "Deden", "Engkus", "Entis", "Endang", "Aceng", "Iman",
    "Firman", "Hadi", "Heru", "Indra", "Januar", "Krisna", "Lutfi", "Mulyana", "Nandang",
    "Opik", "Pandu", "Rangga", "Surya", "Tatang", "Usman", "Wisnu", "Yoga", "Zulkifli",
    "Daniel", "Kevin", "Stefanus", "Hendrik", "Yosef",
)

FEMALE_FIRST_NAMES: Final = (
    "Siti", "Dewi", "Sri", "Rina", "Yuni", "Neneng", "Euis", "Imas", "Iis", "Cucu",
    "Enok", "Eti", "Lilis", "Nining", "Nurul", "Fitri", "Ayu", "Dian", "Indah", "Intan",
    "Lina", "Mega", "Nia", "Novi", "Putri", "Ratna", "Rini", "Sari", "Tuti", "Wulan",
    "Yanti", "Yeni", "Ani", "Ida", "Eka", "Endah", "Fani", "Gita", "Hana", "Ika",
    "Jubaedah", "Kokom", "Lia", "Mila", "Nenden", "Oktavia", "Pipit", "Rahmi", "Santi",
    "Tika", "Ulfa", "Vina", "Winda", "Yulia", "Zahra", "Aisyah", "Anisa", "Dinda",
    "Elis", "Farida", "Heni", "Ira", "Kartika", "Laras", "Maya", "Nadia", "Nur", "Popon",
    "Ratih", "Salsabila", "Tati", "Utami", "Wati", "Yayah", "Sinta", "Meilani", "Theresia",
    "Maria", "Agnes", "Veronika",
)

# Family-style second names. Indonesian surnames are mostly given names, so
# many carry a gender; neutral ones (Batak marga, Chinese-Indonesian) fit both.
MALE_LAST_NAMES: Final = (
    "Hidayat", "Nugraha", "Permana", "Saputra", "Pratama", "Setiawan", "Gunawan", "Kurniawan",
    "Firmansyah", "Ramdani", "Sutisna", "Sukmana", "Suryana", "Hermawan", "Sopian", "Rohman",
    "Hakim", "Maulana", "Ramadhan", "Syahputra", "Wibowo", "Santoso", "Prasetyo", "Susanto",
    "Haryanto", "Purnomo", "Sugiarto", "Nugroho", "Wicaksono", "Kusnadi", "Mulyadi",
    "Suherman", "Darmawan", "Rusdiana", "Supriatna", "Iskandar", "Hamdani", "Fauzi",
    "Munandar", "Gumilar", "Rachman", "Juhana",
)
FEMALE_LAST_NAMES: Final = (
    "Lestari", "Rahayu", "Wulandari", "Handayani", "Puspitasari", "Rahmawati", "Kurniasih",
    "Nurhayati", "Fitriani", "Susilawati", "Maryati", "Komalasari", "Herawati", "Yuliani",
    "Setiawati", "Anggraeni", "Suryani", "Rosita", "Permatasari", "Novianti", "Oktaviani",
    "Agustina", "Purnamasari", "Nuraeni", "Mulyani", "Sulastri", "Apriani", "Fauziah",
)
NEUTRAL_LAST_NAMES: Final = (
    "Siregar", "Nasution", "Simanjuntak", "Lubis", "Harahap", "Sinaga", "Manurung",
    "Sembiring", "Wijaya", "Halim", "Tanoto", "Salim", "Kusuma", "Tanujaya", "Gozali",
)

# Older Javanese/Sundanese people often have a single name only.
MALE_SINGLE_NAMES: Final = (
    "Suparman", "Sutrisno", "Sukirman", "Mulyono", "Sarmin", "Karta", "Sukarna", "Warsono",
    "Darsono", "Sumarno", "Tarmidi", "Jumadi", "Rasidi", "Sanusi", "Kosasih", "Ruhiyat",
)
FEMALE_SINGLE_NAMES: Final = (
    "Sumiati", "Suminah", "Karsih", "Tarsih", "Rukmini", "Sukaesih", "Juariah", "Wartini",
    "Sumarni", "Ponirah", "Kartini", "Sumirah", "Eem", "Onih",
)

# Street names used everywhere plus a few that only make sense in one city.
COMMON_STREETS: Final = (
    "Merdeka", "Sudirman", "Ahmad Yani", "Diponegoro", "Siliwangi", "Pahlawan", "Veteran",
    "Gatot Subroto", "Pemuda", "Kartini", "Cendrawasih", "Melati", "Mawar", "Anggrek",
    "Flamboyan", "Kenari", "Rajawali", "Nusantara", "Bhayangkara", "Sukamaju", "Cempaka",
    "Kebon Jati", "Pasir Kaliki", "Sindang Sari", "Mekarsari", "Cijambe", "Babakan",
    "Raya Cibeureum", "Mangga", "Durian",
)
CITY_STREETS: Final[dict[str, tuple[str, ...]]] = {
    "3273": (
        "Dago", "Ir. H. Juanda", "Cihampelas", "Setiabudi", "Dipatiukur", "Tubagus Ismail",
        "Cikutra", "Sukajadi", "Pasteur", "Cipaganti", "Sadang Serang", "Gegerkalong",
        "Sarijadi", "Riau", "Bengawan",
    ),
    "3277": (
        "Amir Machmud", "Gandawijaya", "Baros", "Cihanjuang", "Kolonel Masturi",
        "Sangkuriang", "Encep Kartawiria", "Leuwigajah", "Cibabat",
    ),
    "3271": (
        "Pajajaran", "Suryakencana", "Padjadjaran", "Sholeh Iskandar", "Raya Tajur",
        "Pandu Raya", "Ciheuleut", "Semeru", "Ciomas Raya", "Kapten Muslihat",
    ),
    "3201": (
        "Raya Bogor", "Mayor Oking", "Tegar Beriman", "Raya Citeureup", "Raya Jakarta-Bogor",
        "Raya Bojonggede", "Raya Sukahati", "Raya Gunung Putri", "Raya Babakan Madang",
    ),
}
GANG_NAMES: Final = (
    "Kenanga", "Mawar", "Melati", "Kamboja", "Sawo", "Nangka", "Jambu", "Haji Umar",
    "Masjid", "Sukarasa", "Saleh", "Bakti", "Damai", "Rukun", "Sejahtera",
)
HOUSING_ESTATES: Final = (
    "Griya Asri", "Puri Indah", "Taman Sari Indah", "Bumi Asri", "Graha Permai",
    "Villa Mutiara", "Pesona Alam", "Griya Bukit Mas", "Taman Asri",
    "Permata Hijau", "Bukit Permai", "Citra Indah",
)
ROMAN_NUMERALS: Final = ("I", "II", "III", "IV", "V", "VI")

BUSINESS_PREFIXES: Final = ("CV", "Toko", "PT", "UD", "Warung", "Bengkel", "Apotek", "Rumah Makan")
BUSINESS_WORDS: Final = (
    "Maju Jaya", "Sumber Rejeki", "Berkah Abadi", "Sinar Terang", "Mitra Usaha",
    "Karya Mandiri", "Sejahtera", "Barokah", "Cahaya Baru", "Mekar Sari", "Lancar Jaya",
    "Sentosa", "Harapan Kita", "Sumber Makmur", "Tunas Muda", "Putra Parahyangan",
    "Sari Rasa", "Anugerah", "Bintang Timur", "Indah Jaya",
)
SOCIAL_NAMES: Final = (
    "Masjid Al-Ikhlas", "Masjid Jami Al-Hidayah", "Musholla Nurul Iman", "Masjid At-Taqwa",
    "Yayasan Pendidikan Bina Insani", "Yayasan Yatim Piatu Al-Falah", "Gereja Kristen Pasundan",
    "Pondok Pesantren Darul Ulum", "Madrasah Ibtidaiyah Miftahul Huda", "Panti Asuhan Kasih Ibu",
    "Klinik Pratama Sehat Bersama", "Vihara Dharma Ramsi",
)
GOVERNMENT_PREFIXES: Final = (
    "Kantor Kelurahan", "Kantor Kecamatan", "Puskesmas", "Pos Pelayanan Terpadu",
    "Kantor Desa", "SD Negeri", "Kantor KUA",
)

MAIL_DOMAINS: Final = (
    ("gmail.com", 70),
    ("yahoo.com", 12),
    ("yahoo.co.id", 8),
    ("hotmail.com", 4),
    ("outlook.com", 3),
    ("ymail.com", 3),
)
# fmt: on
